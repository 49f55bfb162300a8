# Chinese figures are grouped in thousands with a comma (16,465), as the department publishes them.
# Only intcomma and explicit grouping use these: USE_THOUSAND_SEPARATOR stays off so ids in URLs are untouched.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
