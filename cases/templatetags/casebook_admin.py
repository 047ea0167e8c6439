from django import template

from cases import attention

register = template.Library()


@register.simple_tag(takes_context=True)
def attention_counts(context):
    return attention.counts(context["request"].user)
