"""Staff forms, one module per concept. Forms only validate and normalise; views hand cleaned_data to services."""
