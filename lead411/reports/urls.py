"""Staff report builder, releases and the disclosure register, mounted at /staff/reports/."""

app_name = "reports"
urlpatterns: list = []
