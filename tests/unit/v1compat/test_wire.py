"""The v1 answer body: compact JSON as protojson writes it, whatever the message holds."""

import json

from v1compat.wire import v1_json


def test_an_answer_is_compact_utf8_json_in_field_order():
    answer = v1_json({"name": "café€", "cpu": 2, "labels": {"b": "1", "a": "2"}})
    assert answer.get_data() == '{"name":"café€","cpu":2,"labels":{"b":"1","a":"2"}}'.encode()
    assert answer.mimetype == "application/json"


def test_an_integer_beyond_64_bits_is_written_exactly():
    answer = v1_json({"value": 2**70})
    assert json.loads(answer.get_data()) == {"value": 2**70}


def test_a_lone_surrogate_echoed_in_an_answer_is_escaped_not_a_crash():
    body = v1_json({"code": 3, "message": 'Cluster "a\ud800" is invalid'}, 400).get_data()
    assert json.loads(body)["message"] == 'Cluster "a\ud800" is invalid'
