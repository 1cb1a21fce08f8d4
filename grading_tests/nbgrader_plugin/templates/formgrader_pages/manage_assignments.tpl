{#- nbgrader's manage_assignments.tpl, for the course's formgrader: its scripts carry the page's CSP nonce, values go into scripts as JSON. -#}
{%- extends 'nbgrader/manage_assignments.tpl' -%}

{%- block head -%}
<script nonce="{{ csp_nonce }}">
var url_prefix = {{ url_prefix | tojson }};
var default_timezone = {{ default_timezone | tojson }};
</script>
<script nonce="{{ csp_nonce }}" src="{{ base_url }}/formgrader/static/js/manage_assignments.js"></script>
{%- endblock -%}

{%- block table_footer -%}
<tr>
  <td colspan="11">
    <span class="glyphicon glyphicon-plus" aria-hidden="true"></span>
    <a href="#" id="add-assignment">Add new assignment...</a>
  </td>
</tr>
{%- endblock -%}

{%- block script -%}
<script nonce="{{ csp_nonce }}">
$("#add-assignment").on("click", function (event) { event.preventDefault(); createAssignmentModal(); });
</script>
{%- endblock -%}
