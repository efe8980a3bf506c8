"""GraphQL of funnel reports: report (company) and operator.networkReport."""
