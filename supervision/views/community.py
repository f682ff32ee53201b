"""Pages of supervision: community."""

urlpatterns: list = []
