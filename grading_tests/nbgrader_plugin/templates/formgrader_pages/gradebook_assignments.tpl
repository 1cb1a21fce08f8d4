{#- nbgrader's gradebook_assignments.tpl, for the course's formgrader: its scripts carry the page's CSP nonce, values go into scripts as JSON. -#}
{%- extends 'nbgrader/gradebook_assignments.tpl' -%}

{%- block head -%}
<script nonce="{{ csp_nonce }}" src="{{ base_url }}/formgrader/static/js/gradebook_assignments.js"></script>
{%- endblock -%}
