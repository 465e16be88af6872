"""
    {% load dashboard %}
    {% dashboard_widget widget %}

Renders a `conference.core.dashboard.Widget`: its template, with the page's
context and the widget's own on top (as `{% include %}` would).
"""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def dashboard_widget(context, widget):
    fragment = context.template.engine.get_template(widget.template)
    with context.push(widget.context):
        return fragment.render(context)
