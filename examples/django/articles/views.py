from django.http import JsonResponse

from . import vectors


def search(request):
    """GET /search?q=...: the nearest articles, nearest first."""
    found = vectors.search(request.GET.get("q", ""), int(request.GET.get("limit", 5)))
    return JsonResponse({"articles": [{"id": a.pk, "title": a.title} for a in found]})
