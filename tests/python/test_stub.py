#!/usr/bin/python3
"""libvmm from Python through GObject introspection, against the stub plugin.

Run by `meson test` with /usr/bin/python3 (Debian's, which has gi); the test
environment puts the build tree's typelib, library and stub plugin first.
"""
import os
import threading
import unittest

import gi

gi.require_version("Vmm", "1")
from gi.repository import GLib, Vmm  # noqa: E402


class StubFromPython(unittest.TestCase):
    def setUp(self):
        self.loop = GLib.MainLoop()
        self.manager = Vmm.PluginManager.new()
        self.manager.scan()
        self.assertEqual(list(self.manager.get_load_errors()), [])
        plugin = self.manager.find_plugin("stub")
        self.assertIsNotNone(plugin, "the stub plugin is not on VMM_PLUGIN_PATH")
        self.hv = plugin.create_hypervisor()
        self.transitions = []
        self.hv.connect("state-changed", self.on_state_changed)
        self.store = GLib.dir_make_tmp("vmm-py-XXXXXX")
        self.config = Vmm.HypervisorConfig.new("py-demo")
        self.config.props.store_dir = self.store
        self.config.props.kernel_params = ["quiet"]

    def tearDown(self):
        os.rmdir(self.store) if os.path.isdir(self.store) and not os.listdir(self.store) else None

    def on_state_changed(self, hv, old, new):
        self.transitions.append((old, new))

    def run_async(self, start, *args):
        """Runs an _async/_finish pair in the main loop, returns the result."""
        outcome = {}

        def done(hv, result):
            finish = getattr(hv, start.__name__.replace("_async", "_finish"))
            try:
                outcome["value"] = finish(result)
            except GLib.Error as e:
                outcome["error"] = e
            self.loop.quit()

        start(*args, None, done)
        timeout = GLib.timeout_add_seconds(20, self.loop.quit)
        self.loop.run()
        GLib.source_remove(timeout)
        self.assertTrue(outcome, "the operation never completed")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def test_lifecycle_with_hotplug(self):
        S = Vmm.VmState
        self.assertEqual(self.hv.props.state, S.NOT_CREATED)
        self.assertTrue(self.run_async(self.hv.create_vm_async, self.config))
        self.assertTrue(self.run_async(self.hv.start_vm_async))
        self.assertEqual(self.hv.get_state(), S.RUNNING)

        disk = Vmm.BlockDevice.new("/tmp/py-disk.img", True)
        self.assertTrue(self.run_async(self.hv.hotplug_add_device_async, disk))
        plugged = self.hv.props.plugged_devices
        self.assertEqual(plugged.get_n_items(), 1)
        self.assertEqual(plugged.get_item(0).props.path, "/tmp/py-disk.img")
        self.assertIn("/tmp/py-disk.img", self.hv.props.block_slots)

        self.assertTrue(self.run_async(self.hv.stop_vm_async, Vmm.StopFlags.NONE))
        self.assertTrue(self.run_async(self.hv.cleanup_async))
        self.assertEqual(self.transitions, [
            (S.NOT_CREATED, S.CREATED),
            (S.CREATED, S.STARTING),
            (S.STARTING, S.RUNNING),
            (S.RUNNING, S.STOPPING),
            (S.STOPPING, S.STOPPED),
            (S.STOPPED, S.NOT_CREATED),
        ])

    def loop_until_quit(self):
        timeout = GLib.timeout_add_seconds(20, self.loop.quit)
        self.loop.run()
        GLib.source_remove(timeout)

    def test_state_changed_through_main_loop(self):
        """A start that completes later and a crash seen in another thread
        are announced by the main loop, in this thread."""
        S = Vmm.VmState
        main_thread = threading.get_ident()
        self.assertTrue(self.run_async(self.hv.create_vm_async, self.config))
        seen = []

        def on_change(hv, old, new):
            seen.append((old, new, GLib.main_depth(), threading.get_ident()))
            if new in (S.RUNNING, S.CRASHED):
                self.loop.quit()

        self.hv.connect("state-changed", on_change)
        self.hv.props.start_delay_ms = 20
        started = []
        self.hv.start_vm_async(None, lambda hv, res: started.append(hv.start_vm_finish(res)))
        # STARTING at once; RUNNING only from the loop (the handler quits it).
        self.assertEqual(seen, [(S.CREATED, S.STARTING, 0, main_thread)])
        self.loop_until_quit()
        self.assertEqual(len(seen), 2)
        self.assertEqual(seen[1][:2], (S.STARTING, S.RUNNING))
        self.assertGreaterEqual(seen[1][2], 1, "RUNNING was not announced from the main loop")
        while not started:
            GLib.MainContext.default().iteration(True)
        self.assertEqual(started, [True])

        crasher = threading.Thread(target=lambda: self.hv.emit("simulate-crash", 9))
        crasher.start()
        crasher.join()
        # The state changed in the other thread; the signal waits for the loop.
        self.assertEqual(self.hv.get_state(), S.CRASHED)
        self.assertEqual(len(seen), 2)
        self.loop_until_quit()
        self.assertEqual(len(seen), 3)
        self.assertEqual(seen[2][:2], (S.RUNNING, S.CRASHED))
        self.assertGreaterEqual(seen[2][2], 1)
        self.assertEqual(seen[2][3], main_thread)
        self.assertEqual(self.hv.get_exit_status(), 9)
        self.assertTrue(self.run_async(self.hv.cleanup_async))

    def test_scripted_failure_is_a_gerror(self):
        self.assertTrue(self.run_async(self.hv.create_vm_async, self.config))
        self.hv.emit("fail-next", "start_vm", Vmm.Error.SPAWN_FAILED, "scripted from Python")
        with self.assertRaises(GLib.Error) as cm:
            self.run_async(self.hv.start_vm_async)
        self.assertTrue(cm.exception.matches(Vmm.error_quark(), Vmm.Error.SPAWN_FAILED))
        self.assertIn("scripted from Python", cm.exception.message)
        # A failed start leaves the VM as it was, and says so once.
        self.assertEqual(self.hv.get_state(), Vmm.VmState.CREATED)
        self.assertEqual(self.transitions[-1], (Vmm.VmState.STARTING, Vmm.VmState.CREATED))
        self.assertTrue(self.run_async(self.hv.cleanup_async))

    def test_illegal_transition_names_states(self):
        with self.assertRaises(GLib.Error) as cm:
            self.hv.start_vm(None)
        self.assertTrue(cm.exception.matches(Vmm.error_quark(), Vmm.Error.INVALID_STATE))
        self.assertIn("not-created", cm.exception.message)

    def test_config_json_round_trip(self):
        text = self.config.to_json()
        again = Vmm.HypervisorConfig.new_from_json(text, -1)
        self.assertTrue(self.config.equal(again))
        with self.assertRaises(GLib.Error) as cm:
            Vmm.HypervisorConfig.new_from_json('{"id": "x", "memroy-mib": 1}', -1)
        self.assertIn("memroy-mib", cm.exception.message)


if __name__ == "__main__":
    unittest.main(verbosity=2)
