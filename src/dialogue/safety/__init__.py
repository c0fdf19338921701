"""Safety rules that do not belong to one page: what a post seems to disclose about a person."""
