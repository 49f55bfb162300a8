"""Write paths: every change to the department's records goes through a function here."""
