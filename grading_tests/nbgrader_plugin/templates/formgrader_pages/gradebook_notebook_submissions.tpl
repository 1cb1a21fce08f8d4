{#- nbgrader's gradebook_notebook_submissions.tpl, for the course's formgrader: its scripts carry the page's CSP nonce, values go into scripts as JSON. -#}
{%- extends 'nbgrader/gradebook_notebook_submissions.tpl' -%}

{%- block head -%}
<script nonce="{{ csp_nonce }}">
var assignment_id = {{ assignment_id | tojson }};
var notebook_id = {{ notebook_id | tojson }};
</script>
<script nonce="{{ csp_nonce }}" src="{{ base_url }}/formgrader/static/js/gradebook_notebook_submissions.js"></script>
{%- endblock head -%}

{%- block breadcrumbs -%}
<ol class="breadcrumb">
  <li><a href="{{ base_url }}/formgrader/gradebook">Manual Grading</a></li>
  <li><a href="{{ base_url }}/formgrader/gradebook/{{ assignment_id | urlencode }}">{{ assignment_id }}</a></li>
  <li class="active">{{ notebook_id }}</li>
</ol>
{%- endblock -%}

{%- block messages -%}
<button id="toggle_names">Show All Names</button>
{%- endblock -%}

{%- block script -%}
<script nonce="{{ csp_nonce }}">
$("#toggle_names").on("click", function () { toggleAllNames(); });
</script>
{%- endblock -%}
