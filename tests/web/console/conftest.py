from tests.web.candidate_helpers import reset_rate_limits  # noqa: F401  (autouse)
