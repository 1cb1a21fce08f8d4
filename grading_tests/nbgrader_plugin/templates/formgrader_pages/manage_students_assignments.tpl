{#- nbgrader's manage_students_assignments.tpl, for the course's formgrader: its scripts carry the page's CSP nonce, values go into scripts as JSON. -#}
{%- extends 'nbgrader/manage_students_assignments.tpl' -%}

{%- block head -%}
<script nonce="{{ csp_nonce }}">
var student_id = {{ student_id | tojson }};
</script>
<script nonce="{{ csp_nonce }}" src="{{ base_url }}/formgrader/static/js/manage_students_assignments.js"></script>
{%- endblock head -%}
