"""The plugin manager finds exactly the hook implementations pluggy itself finds, in every kind of plugin."""

from __future__ import annotations

import types

import pluggy

from confcheck import PROJECT, entry_points, hookimpl, hookspecs, plugin_manager


def implementations(pm: pluggy.PluginManager, plugin: object) -> list[tuple[str, str, dict[str, object]]]:
    found = []
    for caller in pm.get_hookcallers(plugin) or []:
        for impl in caller.get_hookimpls():
            if impl.plugin is plugin:
                options = {k: getattr(impl, k) for k in ("hookwrapper", "wrapper", "tryfirst", "trylast")}
                found.append((caller.name, impl.function.__qualname__, options))
    return sorted(found, key=repr)


def both(
    plugin: object,
) -> tuple[list[tuple[str, str, dict[str, object]]], list[tuple[str, str, dict[str, object]]]]:
    ours: pluggy.PluginManager = plugin_manager._Manager(PROJECT)
    theirs = pluggy.PluginManager(PROJECT)
    for pm in (ours, theirs):
        pm.add_hookspecs(hookspecs)
        pm.register(plugin)
    return implementations(ours, plugin), implementations(theirs, plugin)


def test_every_built_in_plugin_has_the_hooks_pluggy_finds() -> None:
    built_in = entry_points.declared(PROJECT)
    assert len(built_in) > 20
    for ep in built_in:
        ours, theirs = both(ep.load())
        assert ours == theirs, ep.name
        assert ours, f"{ep.name} implements no hook"


def test_a_module_of_every_kind_of_attribute_and_a_class_plugin_too() -> None:
    module = types.ModuleType("cc_kinds")

    @hookimpl(tryfirst=True)
    def confcheck_rules() -> list[object]:
        return []

    class Reporters:
        @staticmethod
        @hookimpl
        def confcheck_reporters() -> list[object]:
            return []

        @classmethod
        @hookimpl
        def confcheck_product_lines(cls) -> list[object]:
            return []

    module.confcheck_rules = confcheck_rules  # type: ignore[attr-defined]
    module.confcheck_reporters = Reporters.__dict__["confcheck_reporters"]  # type: ignore[attr-defined]
    module.confcheck_product_lines = Reporters.confcheck_product_lines  # type: ignore[attr-defined]
    module.value = None  # type: ignore[attr-defined]
    module.table = {"confcheck_impl": {}}  # type: ignore[attr-defined]
    module.Reporters = Reporters  # type: ignore[attr-defined]
    ours, theirs = both(module)
    assert ours == theirs
    # a static method assigned to a module is found by pluggy 1.7 and later, passed over before
    assert {name for name, _, _ in ours} >= {"confcheck_product_lines", "confcheck_rules"}
    ours, theirs = both(Reporters)
    assert ours == theirs
    assert len(ours) == 2
