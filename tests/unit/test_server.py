"""The gunicorn settings ``serve`` ships: what they cost per request."""

import logging

import pytest
from gunicorn.config import Config

from bridge.core.config import BridgeConfig
from bridge.server import _MasterHooks, gunicorn_settings


@pytest.fixture(autouse=True)
def logging_restored():
    """gunicorn configures process-wide loggers; put them back for the next test."""
    loggers = [logging.getLogger(), logging.getLogger("gunicorn.access"), logging.getLogger("gunicorn.error")]
    saved = [(logger, logger.handlers[:], logger.level, logger.propagate) for logger in loggers]
    yield
    for logger, handlers, level, propagate in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


def gunicorn_logger(**operator_settings):
    config = BridgeConfig(worker_connections=100)
    settings = gunicorn_settings(config, _MasterHooks(config))
    cfg = Config()
    for name, value in {**settings, **operator_settings}.items():
        if not name.startswith("_"):
            cfg.set(name, value)
    return cfg.logger_class(cfg)


def test_the_shipped_settings_build_no_access_log_data():
    """The app writes one JSON line per request; gunicorn's access record would go nowhere."""
    assert not gunicorn_logger().access_log_enabled


def test_an_operators_access_log_file_turns_access_logging_on():
    assert gunicorn_logger(accesslog="-").access_log_enabled


def test_a_logging_config_with_an_access_handler_turns_access_logging_on():
    logconfig = {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"out": {"class": "logging.StreamHandler"}},
        "loggers": {"gunicorn.access": {"handlers": ["out"], "level": "INFO", "propagate": False}},
        "root": {"handlers": [], "level": "WARNING"},
    }
    assert gunicorn_logger(logconfig_dict=logconfig).access_log_enabled
