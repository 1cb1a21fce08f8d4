"""Hostile and edge-case submissions run through ``nbgrader autograde`` end to end.

``attacks.py`` describes them (one per attack class); ``harness.py`` copies the
course to a temporary folder, runs nbgrader there and reads the gradebook.
The submissions are built at test time from the committed release and source
notebooks, so they follow the notebooks as these change.
"""
