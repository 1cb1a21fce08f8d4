raise SystemExit('numpy remplacé')
