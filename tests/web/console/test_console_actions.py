"""Every console action has its GraphQL mutation: the console adds no power of its own."""

from __future__ import annotations

from schema.schema import schema
from web.console.routing import ACTIONS


def test_every_console_action_names_a_mutation_of_the_schema():
    mutations = set(schema.as_str().split("type Mutation {", 1)[1].split("}", 1)[0].split())
    names = {line.split("(")[0] for line in mutations}
    assert len(ACTIONS) >= 6
    for action in ACTIONS:
        assert action.mutation in names, (action.path, action.mutation)
