{#- nbgrader's gradebook_notebooks.tpl, for the course's formgrader: its scripts carry the page's CSP nonce, values go into scripts as JSON. -#}
{%- extends 'nbgrader/gradebook_notebooks.tpl' -%}

{%- block head -%}
<script nonce="{{ csp_nonce }}">
var assignment_id = {{ assignment_id | tojson }};
</script>
<script nonce="{{ csp_nonce }}" src="{{ base_url }}/formgrader/static/js/gradebook_notebooks.js"></script>
{%- endblock head -%}
