"""Core statements compiled once per dialect and run straight on the driver's cursor.

Why: on the transition hot path SQLAlchemy's per-statement work (execution context, cache
key, parameter processing, result wrapping) cost five to nine times what the database
spent on the statement itself (docs/benchmark.md). A `DriverStatement` keeps the Core
statement as the single definition of the SQL and uses the columns' own bind processors
(so datetimes and JSON are stored exactly as SQLAlchemy stores them), but runs it on the
DBAPI cursor of the session's connection, inside the session's transaction.

Nothing is given up: a driver error becomes the same `sqlalchemy.exc.DBAPIError` subclass
`Connection.execute` raises (so `Database.write` maps busy/unavailable databases as
before), and whenever anything listens to the connection's cursor events (the statement
counters of tests/perf and the benchmark's write recorder) the statement goes through
`Connection.execute` instead, so those listeners see every statement.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable, sqltypes

Params = dict[str, Any]


class Dumped:
    """A JSON value together with its JSON text, serialised once (`engine.case_json.json_safe_dumped`).

    A JSON column's bind sends the text as it is instead of serialising the value again; a
    statement that goes through `Connection.execute` (listeners present) is given the value.
    """

    __slots__ = ("text", "value")

    def __init__(self, value: Any, text: str) -> None:
        self.value = value
        self.text = text


def _json_bind(proc: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    """A JSON column's bind processor that passes a `Dumped` value's text through."""
    def process(value: Any) -> Any:
        if type(value) is Dumped:
            return value.text
        return proc(value) if proc is not None else value
    return process


def _values(params: Params | list[Params]) -> Params | list[Params]:
    """The parameters with each `Dumped` replaced by its value (for `Connection.execute`)."""
    if isinstance(params, list):
        return [_values(p) for p in params]  # type: ignore[misc]
    if any(type(v) is Dumped for v in params.values()):
        return {k: (v.value if type(v) is Dumped else v) for k, v in params.items()}
    return params


class _Compiled:
    """The SQL string of one statement for one dialect and how to turn named params into the driver's."""

    def __init__(self, stmt: Executable, dialect: Dialect) -> None:
        self.stmt = stmt
        self._result_columns: list[tuple[str, Callable[[Any], Any] | None]] | None = None
        self.row_maker: Callable[[Sequence[Any]], dict[str, Any]] | None = None
        self.compiled = compiled = stmt.compile(dialect=dialect)
        self.sql = compiled.string
        self.positional = compiled.positional
        # Positional drivers (sqlite3): the bind names in order, each with its column's converter
        # (datetime, JSON). Named drivers (psycopg) take the dict construct_params builds.
        self.processors = dict(compiled._bind_processors)
        for name, bind in ((n, bp) for bp, n in compiled.bind_names.items()):
            if isinstance(bind.type, sqltypes.JSON):
                self.processors[name] = _json_bind(self.processors.get(name))
        names = list(compiled.positiontup or [])
        self.steps: list[tuple[str, Callable[[Any], Any] | None]] = [(n, self.processors.get(n)) for n in names]
        # Per bind, in the driver's order: the caller's key, or the statement's own fixed value
        # (`values(status="x")`), and the converter. Building this once is what makes a call
        # cheaper than `construct_params`, which walks every bind again for each call.
        by_name = {name: bp for bp, name in compiled.bind_names.items()}
        order = names if self.positional else list(by_name)
        plain = all(not by_name[n].expanding and by_name[n].callable is None for n in order)
        self.plan: list[tuple[str, str | None, Any, Callable[[Any], Any] | None]] | None = [
            (n, by_name[n].key if by_name[n].required else None,
             None if by_name[n].required else by_name[n].effective_value, _memo(self.processors.get(n), by_name[n]))
            for n in order
        ] if plain else None
        self._fast = _converter(self.plan, self.positional) if self.plan is not None else None

    def make_rows(self, dialect: Dialect) -> Callable[[Sequence[Any]], dict[str, Any]]:
        """A function generated once per statement: a driver row -> {column key: converted value}
        (the columns' own result processors, as `Connection.execute` applies them)."""
        env: dict[str, Any] = {}
        items = []
        for i, (key, proc) in enumerate(self.result_columns(dialect)):
            if proc is None:
                items.append(f"{key!r}: r[{i}]")
            else:
                env[f"c{i}"] = proc
                items.append(f"{key!r}: c{i}(r[{i}])")
        width = len(items)
        exec(f"def row(r):\n    assert len(r) == {width}\n    return {{{', '.join(items)}}}\n", env)
        self.row_maker = env["row"]
        return self.row_maker

    def result_columns(self, dialect: Dialect) -> list[tuple[str, Callable[[Any], Any] | None]]:
        """(key, result processor) per selected column, built on first use."""
        if self._result_columns is None:
            self._result_columns = [
                (col.key, col.type._cached_result_processor(dialect, None))
                for col in _selected(self.stmt)
            ]
        return self._result_columns

    def convert(self, params: Params) -> Sequence[Any] | Params:
        """Named parameters -> what the driver takes; fixed values (`values(status="x")`) included."""
        if self._fast is not None:
            try:
                return self._fast(params)
            except KeyError:
                pass  # a missing value: construct_params raises SQLAlchemy's own error for it
        values = self.compiled.construct_params(params)
        if self.positional:
            return [
                proc(values[name]) if proc is not None and values[name] is not None else values[name]
                for name, proc in self.steps
            ]
        for name, proc in self.processors.items():
            if values.get(name) is not None:
                values[name] = proc(values[name])
        return values


def _memo(proc: Callable[[Any], Any] | None, bind: Any) -> Callable[[Any], Any] | None:
    """A datetime column's converter that remembers its last value: a transaction passes the
    same `now` to most of its rows (a datetime is immutable, so the same object converts alike)."""
    if proc is None or not isinstance(bind.type, sqltypes.DateTime):
        return proc
    last: list[tuple[Any, Any]] = [(_NOTHING, None)]

    def process(value: Any) -> Any:
        seen, text = last[0]  # one tuple, read and replaced whole: safe between threads
        if seen is value:
            return text
        text = proc(value)
        last[0] = (value, text)
        return text
    return process


_NOTHING = object()


def _converter(plan: list[tuple[str, str | None, Any, Callable[[Any], Any] | None]],
               positional: bool) -> Callable[[Params], Any]:
    """One function per statement that turns the caller's parameters into the driver's, generated
    from the plan (a loop with a call per parameter cost more than SQLite's own statement work).
    Raises KeyError when a value is missing."""
    env: dict[str, Any] = {}
    items = []
    for i, (name, key, fixed, proc) in enumerate(plan):
        if key is None:
            env[f"f{i}"] = fixed if proc is None or fixed is None else proc(fixed)
            value = f"f{i}"
        elif proc is None:
            value = f"p[{key!r}]"
        else:
            env[f"c{i}"] = proc
            value = f"(c{i}(v) if (v := p[{key!r}]) is not None else None)"
        items.append(value if positional else f"{name!r}: {value}")
    body = f"[{', '.join(items)}]" if positional else f"{{{', '.join(items)}}}"
    exec(f"def convert(p):\n    return {body}\n", env)  # noqa: S102 - source built from the compiled plan only
    return env["convert"]


class Driver:
    """What running a statement on one transaction's connection needs, looked up once.

    Asking the session for its connection, and the connection whether anyone listens to
    its cursor events, cost more per statement than SQLite spent on the statement.
    `conn` is the SQLAlchemy connection; a session-less unit that nobody listens to runs on
    the pool's connection alone (`fairy`, `conn` None: see `engine.store.unit`).
    """

    __slots__ = ("conn", "cursor", "dbapi", "dialect", "error", "fairy", "hide", "listened", "transaction")

    def __init__(self, conn: Connection | None, transaction: Any = None, *, fairy: Any = None,
                 dialect: Dialect | None = None, hide: bool = True) -> None:
        self.conn = conn
        self.transaction = transaction
        if conn is not None:
            self.fairy = conn.connection
            self.dialect = conn.dialect
            self.listened = _listened(conn)
            self.hide = conn.engine.hide_parameters
        else:
            assert dialect is not None
            self.fairy, self.dialect, self.listened, self.hide = fairy, dialect, False, hide
        self.dbapi = self.fairy.dbapi_connection
        self.error = self.dialect.loaded_dbapi.Error
        self.cursor: Any = None  # a session-less unit's one cursor for all its statements (else one each)

    def invalidate(self, err: BaseException | None = None) -> None:
        """Drop the connection (the database went away): the pool opens a new one next time."""
        if self.conn is not None:
            self.conn.invalidate(err)
        elif self.fairy.is_valid:  # once (as `Connection.invalidate`): the pool warns about a second time
            self.fairy.invalidate(err)

    @property
    def invalidated(self) -> bool:
        return self.conn.invalidated if self.conn is not None else not self.fairy.is_valid


_DRIVER_KEY = "engine.store.driver_sql"


def _driver(target: Session | Connection | Driver) -> Driver:
    """The driver handle of a connection, or of a session's current transaction (cached in
    `session.info` for as long as that transaction lasts; a later transaction gets a new one).
    A `Driver` (a session-less unit of work, `engine.store.unit`) is its own handle."""
    if isinstance(target, Driver):
        return target
    if not isinstance(target, Session):
        return Driver(target)
    cached = target.info.get(_DRIVER_KEY)
    transaction = target.get_transaction()
    if cached is not None and transaction is not None and cached.transaction is transaction:
        return cached
    conn = target.connection()  # begins the transaction when none is open yet
    cached = target.info[_DRIVER_KEY] = Driver(conn, target.get_transaction())
    return cached


class DriverStatement:
    """One INSERT/UPDATE/SELECT, compiled once per dialect, run on the session's DBAPI cursor."""

    def __init__(self, stmt: Executable) -> None:
        self.stmt = stmt
        self._by_dialect: dict[str, _Compiled] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        compiled = self._by_dialect.get(dialect.name)
        if compiled is None:
            compiled = self._by_dialect[dialect.name] = _Compiled(self.stmt, dialect)
        return compiled

    def execute(self, target: Session | Connection | Driver, params: Params | list[Params]) -> int:
        """Run with one parameter dict (or a list: executemany) in the session's transaction
        (or on the connection); returns the rowcount."""
        drv = target if isinstance(target, Driver) else _driver(target)
        if drv.listened:
            return drv.conn.execute(self.stmt, _values(params)).rowcount
        compiled = self._by_dialect.get(drv.dialect.name) or self._compiled(drv.dialect)
        own = drv.cursor
        cursor = own if own is not None else drv.dbapi.cursor()
        try:
            if isinstance(params, list):
                cursor.executemany(compiled.sql, [compiled.convert(p) for p in params])
            else:
                cursor.execute(compiled.sql, compiled.convert(params))
            return cursor.rowcount
        except drv.error as err:
            raise _wrapped(drv, compiled.sql, params, err, cursor) from err
        finally:
            if own is None:
                cursor.close()

    def mappings(self, target: Session | Connection | Driver, params: Params) -> list[dict[str, Any]]:
        """Run a SELECT of plain columns; each row as {column key: value} with the values
        converted by the columns' own result processors (as `Connection.execute` gives them)."""
        drv = target if isinstance(target, Driver) else _driver(target)
        if drv.listened:
            return [dict(r) for r in drv.conn.execute(self.stmt, _values(params)).mappings()]
        compiled = self._by_dialect.get(drv.dialect.name) or self._compiled(drv.dialect)
        own = drv.cursor
        cursor = own if own is not None else drv.dbapi.cursor()
        try:
            cursor.execute(compiled.sql, compiled.convert(params))
            raw = cursor.fetchall()
        except drv.error as err:
            raise _wrapped(drv, compiled.sql, params, err, cursor) from err
        finally:
            if own is None:
                cursor.close()
        make = compiled.row_maker or compiled.make_rows(drv.dialect)
        return [make(row) for row in raw]


def _selected(stmt: Executable) -> Any:
    """The columns a SELECT, or an INSERT/UPDATE ... RETURNING, gives back."""
    selected = getattr(stmt, "selected_columns", None)
    return selected if selected is not None else stmt.exported_columns


def _listened(conn: Connection) -> bool:
    """True when a cursor-level listener must see this statement."""
    dispatch = conn.dispatch
    return bool(dispatch.before_cursor_execute or dispatch.after_cursor_execute)


def _wrapped(drv: Driver, sql: str, params: Any, err: Exception, cursor: Any) -> sa_exc.DBAPIError:
    """The exception `Connection.execute` would have raised for this driver error."""
    dialect = drv.dialect
    invalidated = dialect.is_disconnect(err, drv.dbapi, cursor)
    if invalidated:
        drv.invalidate(err)
    return sa_exc.DBAPIError.instance(
        sql, params, err, dialect.loaded_dbapi.Error, connection_invalidated=invalidated, dialect=dialect,
        hide_parameters=drv.hide,  # parameters are personal data (engine/store/db.py)
    )
