// The contract's plugin-shell helpers, run against the fake PluginContext (tests/support):
// requireService() and ScopedPublication, and typed settings with a plugin's own key table.
#include <ampd/plugin.h>

#include <fake_plugin_context.h>
#include <gtest/gtest.h>

#include <thread>

namespace ampd {
namespace {

using namespace std::chrono_literals;

constexpr KeySpec kKeys[] = {
    intKey("shell.threads", "4", 1, 64, "threads"),
    durationMsKey("shell.wait_ms", "20", 0, 1000, "wait"),
    stringMapKey("shell.params", "parameters"),
};

TEST(PluginHelpers, RequireServiceReturnsThePublishedProperties) {
  test::FakePluginContext context("shell");
  const ScopedPublication db(context.registry(), kMetadataDbService, {{"url", "postgresql://x"}});
  const auto properties = requireService(context, kMetadataDbService, "List one.");
  EXPECT_EQ(properties.at("url"), "postgresql://x");
}

TEST(PluginHelpers, RequireServiceThrowsWithTheHintWhenNothingIsPublished) {
  test::FakePluginContext context("shell");
  try {
    (void)requireService(context, kMetadataDbService, "List a metadata-db plugin.", "url", 10ms);
    FAIL() << "returned";
  } catch (const PluginError& e) {
    EXPECT_EQ(e.diagnostic().primary, "shell needs the metadata-db service");
    EXPECT_EQ(e.diagnostic().hint, "List a metadata-db plugin.");
  }
}

TEST(PluginHelpers, RequireServiceRefusesAServiceWithoutTheRequiredProperty) {
  test::FakePluginContext context("shell");
  const ScopedPublication db(context.registry(), kMetadataDbService, {{"url", ""}});
  EXPECT_THROW((void)requireService(context, kMetadataDbService, "h", "url", 10ms), PluginError);
}

TEST(PluginHelpers, ScopedPublicationUnpublishesOnDestructionAndMove) {
  test::FakePluginContext context("shell");
  {
    ScopedPublication outer;
    {
      ScopedPublication inner(context.registry(), "svc", {{"k", "v"}});
      EXPECT_TRUE(context.registry().lookup("svc"));
      outer = std::move(inner);
    }
    EXPECT_TRUE(context.registry().lookup("svc")) << "moved-from must not unpublish";
    EXPECT_TRUE(outer);
  }
  EXPECT_FALSE(context.registry().lookup("svc"));
}

TEST(PluginHelpers, SettingsReadThePluginsTableWithDefaults) {
  test::FakePluginContext context("shell", {std::begin(kKeys), std::end(kKeys)},
                                  {{"shell.threads", "16"}, {"shell.params.work_mem", "64MB"}});
  EXPECT_EQ(context.settings().getInt("shell.threads"), 16);
  EXPECT_EQ(context.settings().getDuration("shell.wait_ms"), 20ms);
  EXPECT_EQ(context.settings().getMap("shell.params"),
            (std::map<std::string, std::string>{{"work_mem", "64MB"}}));
  EXPECT_THROW((void)context.settings().getInt("shell.undeclared"), std::logic_error);
  EXPECT_THROW((void)context.settings().getBool("shell.threads"), std::logic_error);
}

TEST(PluginHelpers, ReportFailureIsRecordedWithItsDiagnostic) {
  test::FakePluginContext context("shell");
  context.reportFailure(Diagnostic{"listener broke", "EBADF", "Restart ampd."});
  context.reportFailure("second");
  ASSERT_EQ(context.failures().size(), 2u);
  EXPECT_EQ(context.failures()[0].format(), "listener broke\nDETAIL: EBADF\nHINT: Restart ampd.");
}

}  // namespace
}  // namespace ampd
