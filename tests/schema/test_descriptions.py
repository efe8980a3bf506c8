"""Every field and argument of the API says what it is and its limits."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema

from schema.schema import schema


@strawberry.input(description="Input.")
class SampleInput:
    named: str = strawberry.field(description="Described.")
    bare: str


@strawberry.type(description="Sample.")
class Sample:
    named: str = strawberry.field(description="Described.")
    bare: str


@strawberry.type(name="Query")
class SampleQuery:
    @strawberry.field(description="Described, with one undescribed argument.")
    def sample(
        self,
        input: SampleInput,
        limit: Annotated[int, strawberry.argument(description="Described.")] = 1,
    ) -> Sample:
        return Sample(named=input.named, bare=input.bare)


def undescribed(graphql_schema: GraphQLSchema) -> list[str]:
    """`Type.field` and `Type.field(arg)` without a description, introspection types excluded."""
    missing = []
    for name, graphql_type in graphql_schema.type_map.items():
        if name.startswith("__") or not isinstance(
            graphql_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType
        ):
            continue
        for field_name, field in graphql_type.fields.items():
            if not field.description:
                missing.append(f"{name}.{field_name}")
            for arg_name, arg in getattr(field, "args", {}).items():
                if not arg.description:
                    missing.append(f"{name}.{field_name}({arg_name})")
    return missing


def test_every_field_and_argument_has_a_description():
    # when
    missing = undescribed(schema._schema)

    # then
    assert not missing, "fields and arguments without a description:\n" + "\n".join(missing)


def test_undescribed_lists_fields_arguments_and_input_fields():
    # given: a schema with one described and one undescribed item of each kind
    sample = strawberry.Schema(query=SampleQuery)._schema

    # when
    missing = undescribed(sample)

    # then
    assert missing == ["Query.sample(input)", "Sample.bare", "SampleInput.bare"]
