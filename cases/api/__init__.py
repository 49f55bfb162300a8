"""REST API v1 (DESIGN.md §5): viewsets, serializers and the plumbing they share. URLs: legalcases/api_urls.py."""
