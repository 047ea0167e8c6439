from django import template

from cases import attention

register = template.Library()


@register.simple_tag
def attention_counts():
    return attention.counts()
