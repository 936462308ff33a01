#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The life cycle of one VM with libvmm from Python (GObject introspection).

Run on the stub plugin (no hypervisor needed), from a build tree:

    GI_TYPELIB_PATH=_build/introspection LD_LIBRARY_PATH=_build/libvmm \\
    VMM_PLUGIN_PATH=_build/plugins/stub \\
    /usr/bin/python3 examples/demo.py examples/stub.json [DISK]

It reads a JSON configuration, picks the plugin it names (or the default
one), creates the VM, starts it, plugs DISK into it if one is given, stops
it and cleans up, printing each state change. The operations are the
asynchronous ones, completed in a GLib main loop, so state changes are
printed as they happen.

Exit status: 0 when the whole life cycle worked, 1 otherwise.
"""
import sys

import gi

gi.require_version("Vmm", "1")
from gi.repository import GLib, Vmm  # noqa: E402


def call(loop, method, *args):
    """Runs an _async method, waits in the main loop for it to complete and
    returns what its _finish method returns (or raises its GLib.Error)."""
    outcome = {}
    finish_name = method.__name__.replace("_async", "_finish")

    def done(hypervisor, result):
        try:
            outcome["value"] = getattr(hypervisor, finish_name)(result)
        except GLib.Error as error:
            outcome["error"] = error
        loop.quit()

    method(*args, None, done)  # None: no GCancellable
    loop.run()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def main(argv):
    if len(argv) not in (2, 3):
        print(f"usage: {argv[0]} CONFIG.json [DISK]", file=sys.stderr)
        return 1

    # Plugins come from VMM_PLUGIN_PATH, then the installed plugin directory.
    manager = Vmm.PluginManager.new()
    manager.scan()

    try:
        # Errors name the file and the line:column or the key.
        config = Vmm.HypervisorConfig.new_from_file(argv[1])
        name = config.get_hypervisor()
        if name is not None:
            plugin = manager.find_plugin(name)
            if plugin is None:
                print(f"demo.py: plugin {name!r} is not installed", file=sys.stderr)
                return 1
        else:
            # VMM_HYPERVISOR, else the highest-priority plugin that can run here.
            plugin = manager.get_default_plugin()
    except GLib.Error as error:
        print(f"demo.py: {error.message}", file=sys.stderr)
        return 1
    print(f"plugin: {plugin.get_name()} ({plugin.get_description()})")

    hypervisor = plugin.create_hypervisor()
    seen = []

    def on_state_changed(_hypervisor, old, new):
        seen.append(new)
        print(f"state: {Vmm.vm_state_to_string(old)} -> {Vmm.vm_state_to_string(new)}")

    hypervisor.connect("state-changed", on_state_changed)
    loop = GLib.MainLoop()

    try:
        call(loop, hypervisor.create_vm_async, config)
        call(loop, hypervisor.start_vm_async)
        print("running, hypervisor processes:", list(hypervisor.get_pids()))
        if len(argv) == 3:
            disk = Vmm.BlockDevice.new(argv[2], True)
            call(loop, hypervisor.hotplug_add_device_async, disk)
            print(f"plugged {argv[2]}")
        call(loop, hypervisor.stop_vm_async, Vmm.StopFlags.NONE)
        call(loop, hypervisor.cleanup_async)
    except GLib.Error as error:
        # error.domain is "vmm-error-quark"; error.code a Vmm.Error value.
        print(f"demo.py: {error.message}", file=sys.stderr)
        return 1

    if Vmm.VmState.RUNNING not in seen or hypervisor.get_state() != Vmm.VmState.NOT_CREATED:
        print("demo.py: the VM did not go through its whole life cycle", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
