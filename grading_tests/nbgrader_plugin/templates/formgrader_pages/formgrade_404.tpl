{#- In place of nbgrader's formgrade_404.tpl, which imports a macro file that does not exist. -#}
{%- extends 'base.tpl' -%}

{%- block title -%}
{{ resources.notebook_id }}
{%- endblock -%}

{%- block body -%}
<div class="panel-body">
Error: Submission notebook file not found: {{ resources.filename }}
</div>
{%- endblock -%}
