{#- nbgrader's manage_students.tpl, for the course's formgrader: its scripts carry the page's CSP nonce, values go into scripts as JSON. -#}
{%- extends 'nbgrader/manage_students.tpl' -%}

{%- block head -%}
<script nonce="{{ csp_nonce }}" src="{{ base_url }}/formgrader/static/js/manage_students.js"></script>
{%- endblock -%}

{%- block table_footer -%}
<tr>
  <td colspan="5">
    <span class="glyphicon glyphicon-plus" aria-hidden="true"></span>
    <a href="#" id="add-student">Add new student...</a>
  </td>
</tr>
{%- endblock -%}

{%- block script -%}
<script nonce="{{ csp_nonce }}">
$("#add-student").on("click", function (event) { event.preventDefault(); createStudentModal(); });
</script>
{%- endblock -%}
