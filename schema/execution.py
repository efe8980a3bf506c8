"""The GraphQL executor, with a shortcut for values that are plain data all the way down.

graphql-core executes every field the same way: a resolve-info tuple, the resolver, then
completion through several generic steps, about 5 µs a field. A page of `matches` selects
about 700 fields (edges, cards, tags), and that generic path was most of the request's CPU
(bench/README.md). Most of those fields are plain attributes: Strawberry's default resolver,
no arguments. When everything selected below a field is such an attribute, of a scalar, an
enum, a list or an object whose selection is plain in turn, the value is completed here in
one recursive pass, with the same values and output coercion. Relay's `Node.id` counts as
plain: with the default `resolve_id` it is the global ID of the type name and id attribute.
So is a field whose resolver is marked ``@preloaded`` when its page stored the value
beforehand (schema/preload.py).

Anything else, a null where the schema forbids one, a value that does not coerce, a
deferred fragment, or anything whose resolver could do work, goes the normal way: the whole
value is completed again by graphql-core, which reports errors with their paths. That is
safe because plain fields only read attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
)
from strawberry import relay
from strawberry.relay.utils import to_base64
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema import preload

_NORMAL = object()  # "not plain after all: let graphql-core complete it"

Complete = Callable[[Any], Any]  # value -> completed value, or _NORMAL
Getter = Callable[[Any], Any]  # source -> value

_GETTERS: dict[int, tuple[Any, Getter | None]] = {}  # id(GraphQLField) -> (field, getter)


def _node_id_getter(object_type: GraphQLObjectType, name: str) -> Getter | None:
    """Relay's `id` of a Node type that keeps the default id and type name, else None."""
    definition = object_type.extensions.get("strawberry-definition")
    origin = getattr(definition, "origin", None)
    if name != "id" or not (isinstance(origin, type) and issubclass(origin, relay.Node)):
        return None
    field = next((f for f in definition.fields if f.graphql_name == "id" or f.name == "id"), None)
    resolver = getattr(getattr(field, "base_resolver", None), "wrapped_func", None)
    if (
        getattr(resolver, "__func__", None) is not relay.Node._id.__func__
        or origin.resolve_id.__func__ is not relay.Node.resolve_id.__func__
        or origin.resolve_typename.__func__ is not relay.Node.resolve_typename.__func__
    ):
        return None
    attr, type_name = origin.resolve_id_attr(), object_type.name

    def node_id(source: Any) -> Any:
        if type(source) is not origin:  # a subclass or a cast: the normal way
            return _NORMAL
        return to_base64(type_name, str(getattr(source, attr)))

    return node_id


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Keyed by the field group's identity, which graphql-core keeps for the whole
        # request; the value holds the group so that its id is not reused.
        self._plans: dict[tuple[int, int], tuple[Any, Complete | None]] = {}

    def execute_operation(self) -> Any:
        result = super().execute_operation()
        if not self.is_awaitable(result):
            self._release()
            return result

        async def released() -> Any:
            try:
                return await result
            finally:
                self._release()

        return released()

    def _release(self) -> None:
        """Breaks graphql-core's executor <-> helpers cycle once the result is complete: with
        it, each request's objects (its rows, loaders, resolve infos) could only be freed by
        a full collection, which under load ran every second and paused for up to 100 ms."""
        self.async_helpers = None
        self._plans.clear()

    def complete_value(
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        if position_context is None and result is not None:
            complete = self._completer(return_type, field_details_list, info)
            if complete is not None:
                done = complete(result)
                if done is not _NORMAL:
                    return done
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _completer(self, return_type: Any, details: Any, info: Any) -> Complete | None:
        """How to complete values of ``return_type`` selected by ``details`` in one pass,
        or None when that is not possible; planned once per type and selection."""
        key = (id(return_type), id(details))
        cached = self._plans.get(key)
        if cached is None:
            # Stored before planning: a type that contains itself is not plain (cycle -> None).
            self._plans[key] = (details, None)
            cached = self._plans[key] = (details, self._plan(return_type, details, info))
        return cached[1]

    def _plan(self, return_type: Any, details: Any, info: Any) -> Complete | None:
        if isinstance(return_type, GraphQLNonNull):
            inner = self._plan_nullable(return_type.of_type, details, info)
            if inner is None:
                return None
            return lambda value: _NORMAL if value is None else inner(value)
        inner = self._plan_nullable(return_type, details, info)
        if inner is None:
            return None
        return lambda value: None if value is None else inner(value)

    def _plan_nullable(self, return_type: Any, details: Any, info: Any) -> Complete | None:
        """Completion of a value that is not None."""
        if isinstance(return_type, GraphQLScalarType | GraphQLEnumType):
            return _leaf(return_type.coerce_output_value)
        if isinstance(return_type, GraphQLList):
            item = self._completer(return_type.of_type, details, info)
            return None if item is None else _list(item)
        if isinstance(return_type, GraphQLObjectType):
            return self._object_plan(return_type, details, info)
        return None  # interfaces and unions: graphql-core resolves the type

    def _object_plan(self, object_type: GraphQLObjectType, details: Any, info: Any):
        grouped, new_defer_usages, _ = self.collect_subfields(object_type, details)
        if new_defer_usages:
            return None
        fields: list[tuple[str, Getter, Complete]] = []
        for key, sub in grouped.items():
            if any(d.defer_usage is not None or d.fragment_variable_values for d in sub):
                return None
            node = sub[0].node
            field = object_type.fields.get(node.name.value)
            if field is None or field.args or node.arguments:
                return None
            getter = self._getter(object_type, node.name.value, field)
            complete = self._completer(field.type, sub, info)
            if getter is None or complete is None:
                return None
            fields.append((key, getter, complete))
        return _object(object_type.is_type_of, fields, info)

    def _getter(self, object_type: GraphQLObjectType, name: str, field: Any) -> Getter | None:
        """How to read a plain field from its source, or None; once per field and process
        (the key holds the field, so its id is not reused)."""
        cached = _GETTERS.get(id(field))
        if cached is None:
            getter = (
                _node_id_getter(object_type, name)
                or self._attribute(object_type, name, field)
                or self._preloaded(object_type, name)
            )
            cached = _GETTERS[id(field)] = (field, getter)
        return cached[1]

    def _attribute(self, object_type: GraphQLObjectType, name: str, field: Any) -> Getter | None:
        """The getter of a field without a resolver (Strawberry's default resolver reads the
        attribute; with the default ``getattr``, read it directly), else None."""
        if not getattr(field.resolve, "_is_default", False):
            return None
        strawberry_field = self.schema._strawberry_schema.get_field_for_type(name, object_type.name)
        if strawberry_field is not None and strawberry_field.default_resolver is getattr:
            return attrgetter(strawberry_field.python_name)
        return lambda source: field.resolve(source, None)

    def _preloaded(self, object_type: GraphQLObjectType, name: str) -> Getter | None:
        """The getter of a field whose resolver is marked ``@preloaded`` (schema/preload.py)
        and has no field extensions (permissions): its stored value, or the normal way (the
        resolver) when none is stored; else None."""
        strawberry_field = self.schema._strawberry_schema.get_field_for_type(name, object_type.name)
        resolver = getattr(strawberry_field, "base_resolver", None)
        attribute = getattr(getattr(resolver, "wrapped_func", None), preload.ATTRIBUTE, None)
        if attribute is None or strawberry_field.extensions:
            return None

        def stored(source: Any) -> Any:
            value = getattr(source, attribute, None)
            return _NORMAL if value is None else value

        return stored


def _leaf(coerce: Callable[[Any], Any]) -> Complete:
    # As graphql-core's complete_leaf_value, whose error the normal way reports.
    def complete(value: Any) -> Any:
        try:
            value = coerce(value)
        except Exception:  # graphql-core reports it, with the field's path
            return _NORMAL
        return _NORMAL if value is None or value is Undefined else value

    return complete


def _list(item: Complete) -> Complete:
    def complete(value: Any) -> Any:
        if not isinstance(value, list | tuple):
            return _NORMAL
        out = [item(v) for v in value]
        return _NORMAL if any(v is _NORMAL for v in out) else out

    return complete


def _object(is_type_of: Callable | None, fields: list, info: Any) -> Complete:
    # is_type_of gets the info of the field the plan was made for (Strawberry's ignores it).
    def complete(source: Any) -> Any:
        if is_type_of is not None and is_type_of(source, info) is not True:
            return _NORMAL
        out = {}
        for key, getter, complete_field in fields:
            try:
                value = getter(source)
            except Exception:  # graphql-core reports it, with the field's path
                return _NORMAL
            if value is _NORMAL:
                return _NORMAL
            value = complete_field(value)
            if value is _NORMAL:
                return _NORMAL
            out[key] = value
        return out

    return complete
