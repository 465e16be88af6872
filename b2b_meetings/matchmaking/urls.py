from django.urls import path  # noqa: F401

# Included under events/<slug>/ (b2b_meetings/urls.py), in the b2b_meetings namespace.
urlpatterns = []
