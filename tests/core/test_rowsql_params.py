"""What ``core/rowsql.py`` refuses to carry in a batch's JSON rows (#22): a value it would not
bring back exactly is refused before any statement leaves."""

import pytest
from psycopg.types.json import Jsonb

from chatdesk.core import rowsql


def test_a_json_null_and_values_orjson_does_not_write_exactly_are_refused():
    with pytest.raises(TypeError) as refused:
        rowsql.rows_params(["j"], [[Jsonb(None)]])
    assert "JSON null" in str(refused.value.__cause__)  # orjson raises with its default's error as the cause
    with pytest.raises(TypeError):
        rowsql.rows_params(["b"], [[b"bytes"]])
    with pytest.raises(ValueError):  # a row with a value too many or too few
        rowsql.rows_params(["a", "b"], [[1]])


def test_int_array_carries_integers_only():
    assert rowsql.int_array([3, 1, 2**63 - 1]) == "{3,1,9223372036854775807}"
    for wrong in (["1"], [True], [1.0]):
        with pytest.raises(TypeError):
            rowsql.int_array(wrong)


def test_rows_params_numbers_the_rows_and_counts_them():
    text, count = rowsql.rows_params(["a", "b"], [[1, "x"], [None, "ی"]])
    assert count == 2
    assert text == '[{"a":1,"b":"x","n":1},{"a":null,"b":"ی","n":2}]'
