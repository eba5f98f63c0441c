"""v1 query parameters: grpc-gateway's rules (runtime/query.go) and its messages."""

import pytest
from werkzeug.datastructures import MultiDict

from v1compat.errors import V1Error
from v1compat.query import LIMIT_CONTINUE, PAGE_SIZE_TOKEN, QueryField, parse_query


def rejected(pairs, fields) -> str:
    with pytest.raises(V1Error) as caught:
        parse_query(MultiDict(pairs), fields)
    assert caught.value.http_status == 400
    return caught.value.body()["message"]


def test_fields_are_read_under_their_proto_or_json_name():
    assert parse_query(MultiDict([("limit", "5"), ("continue", "abc")]), LIMIT_CONTINUE) == {
        "limit": 5,
        "continue": "abc",
    }
    assert parse_query(MultiDict([("pageSize", "2"), ("page_token", "t")]), PAGE_SIZE_TOKEN) == {
        "page_size": 2,
        "page_token": "t",
    }


def test_parameters_naming_no_field_are_ignored():
    assert parse_query(MultiDict([("strict", "true"), ("foo", "1"), ("foo", "2")]), LIMIT_CONTINUE) == {}


def test_a_repeated_parameter_is_too_many_values():
    message = rejected([("limit", "1"), ("limit", "2")], LIMIT_CONTINUE)
    assert message == 'too many values for field "limit": 1, 2'


def test_a_repeated_parameter_under_its_json_name_is_named_by_its_proto_name():
    message = rejected([("pageSize", "1"), ("pageSize", "")], PAGE_SIZE_TOKEN)
    assert message == 'too many values for field "page_size": 1, '


@pytest.mark.parametrize("value", ["", "abc", "1.5", " 1", "1_0", "0x10"])
def test_a_value_that_is_not_an_integer_is_a_parse_error(value):
    message = rejected([("limit", value)], LIMIT_CONTINUE)
    assert message == f'parsing field "limit": strconv.ParseInt: parsing "{value}": invalid syntax'


def test_an_integer_outside_the_field_type_is_out_of_range():
    message = rejected([("page_size", str(2**31))], PAGE_SIZE_TOKEN)
    assert message == f'parsing field "page_size": strconv.ParseInt: parsing "{2**31}": value out of range'
    assert parse_query(MultiDict([("limit", str(-(2**63)))]), LIMIT_CONTINUE) == {"limit": -(2**63)}


def test_signs_are_go_integers_but_unsigned_fields_refuse_them():
    assert parse_query(MultiDict([("limit", "+7")]), LIMIT_CONTINUE) == {"limit": 7}
    count = (QueryField("count", "uint32"),)
    message = rejected([("count", "-1")], count)
    assert message == 'parsing field "count": strconv.ParseUint: parsing "-1": invalid syntax'


def test_bools_take_go_spellings_only():
    flag = (QueryField("dry_run", "bool"),)
    assert parse_query(MultiDict([("dryRun", "T")]), flag) == {"dry_run": True}
    message = rejected([("dry_run", "yes")], flag)
    assert message == 'parsing field "dry_run": strconv.ParseBool: parsing "yes": invalid syntax'
