from .views import assignments, board, common, community, visits

app_name = "supervision"

urlpatterns = [
    *board.urlpatterns,
    *assignments.urlpatterns,
    *visits.urlpatterns,
    *community.urlpatterns,
    *common.urlpatterns,
]
