"""GraphQL of introductions: request one with a credit, list them, read accepted contacts."""
