"""Staff forms, one module per concept. Forms only validate and normalise; views hand cleaned_data to services."""

from django.utils.translation import gettext_noop

# Django's form label suffix. Listed here so our catalogue carries it: Chinese labels end with a
# full-width colon, which Django's own zh_Hans catalogue leaves as ASCII.
LABEL_SUFFIX = gettext_noop(":")
