"""Pages of supervision: visits."""

urlpatterns: list = []
