// test-no-entry: a shared library without the plugin entry point.
extern "C" __attribute__((visibility("default"))) int ampd_test_not_a_plugin() { return 1; }
