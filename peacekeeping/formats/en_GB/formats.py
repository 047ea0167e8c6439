"""
Dates for the casebook's English, written so that no reader or editor can misread them. What
is not set here is Django's British format (django/conf/locale/en_GB/formats.py).

Django's British formats write and read "09/07/2011", which an American reads as 7 September.
Here dates show as "9 Jul 2011", and forms take ISO dates (which the admin's calendar writes)
or a day, a month's name and a year; a date in figures alone is refused with the expected format.
"""

DATE_FORMAT = "j M Y"  # 9 Jul 2011
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, P"  # 9 Jul 2011, 2:30 p.m.
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2011-07-08, first: the admin's calendar writes dates in the first format
    "%d %B %Y",  # 8 July 2011
    "%d %b %Y",  # 8 Jul 2011
    "%B %d %Y",  # July 8 2011
    "%B %d, %Y",  # July 8, 2011
    "%b %d %Y",  # Jul 8 2011
    "%b %d, %Y",  # Jul 8, 2011
]
