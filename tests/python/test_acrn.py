#!/usr/bin/python3
"""The ACRN backend from Python: the acrn-dm command line is readable after
create_vm, as the `command-line` property, without starting anything.

The ACRN plugin is loaded from the build tree; the test environment points it
at the fake acrn-dm/acrnctl and a cpuinfo fixture (no ACRN on build machines).
"""
import os
import shutil
import tempfile
import unittest

import gi

gi.require_version("Vmm", "1")
from gi.repository import GLib, Vmm  # noqa: E402


class AcrnFromPython(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="vmm-py-acrn-")
        self.addCleanup(shutil.rmtree, self.tmp)
        self.kernel = os.path.join(self.tmp, "bzImage")
        self.image = os.path.join(self.tmp, "rootfs.img")
        for path in (self.kernel, self.image):
            with open(path, "wb") as f:
                f.write(b"\0" * 512)
        manager = Vmm.PluginManager.new()
        manager.scan()
        plugin = manager.find_plugin("acrn")
        self.assertIsNotNone(plugin, "the ACRN plugin is not on VMM_PLUGIN_PATH")
        self.hv = plugin.create_hypervisor()
        self.hv.props.mngr_dir = os.path.join(self.tmp, "mngr")
        self.hv.props.cpuinfo_path = os.environ["VMM_TEST_CPUINFO"]

    def config(self, vm_id):
        config = Vmm.HypervisorConfig.new(vm_id)
        config.props.kernel = self.kernel
        config.props.image = self.image
        config.props.store_dir = os.path.join(self.tmp, "store")
        config.props.hypervisor_path = os.environ["VMM_TEST_FAKE_ACRN_DM"]
        config.props.ctl_path = os.environ["VMM_TEST_FAKE_ACRNCTL"]
        config.props.kernel_params = ["loglevel=3"]
        config.props.block_pool_size = 2
        return config

    def test_command_line_property(self):
        self.assertEqual(list(self.hv.props.command_line or []), [])
        self.hv.create_vm(self.config("py1"), None)
        argv = list(self.hv.props.command_line)
        store = os.path.join(self.tmp, "store")
        self.assertEqual(argv[0], os.environ["VMM_TEST_FAKE_ACRN_DM"])
        self.assertEqual(argv[1:5], ["-m", "2048M", "-s", "0:0,hostbridge"])
        self.assertIn("3,virtio-console,@socket:console0=%s/py1/console.sock" % store, argv)
        self.assertIn("4,virtio-blk," + self.image, argv)
        self.assertIn("5,virtio-blk,nodisk", argv)
        self.assertIn("6,virtio-blk,nodisk", argv)
        self.assertNotIn("7,virtio-blk,nodisk", argv)
        params = argv[argv.index("-B") + 1]
        self.assertTrue(params.endswith("panic=1 maxcpus=1 loglevel=3"), params)
        self.assertEqual(argv[-1], "sbx-py1")
        self.assertEqual(self.hv.props.vm_name, "sbx-py1")
        self.hv.cleanup(None)
        self.assertEqual(self.hv.get_state(), Vmm.VmState.NOT_CREATED)

    def test_bad_input_names_the_field(self):
        config = self.config("py2")
        config.props.image = os.path.join(self.tmp, "missing.img")
        with self.assertRaises(GLib.Error) as cm:
            self.hv.create_vm(config, None)
        self.assertIn("image", cm.exception.message)
        self.assertEqual(self.hv.get_state(), Vmm.VmState.NOT_CREATED)
        self.assertEqual(list(self.hv.props.command_line or []), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
