# Every plugin (bundled or test) hangs off one target, so tests can depend on "all plugins".
if(NOT TARGET ampd_plugins)
  add_custom_target(ampd_plugins)
endif()
# The plugins that ship with ampd (not the test plugins); building `ampd` builds them too.
if(NOT TARGET ampd_bundled_plugins)
  add_custom_target(ampd_bundled_plugins)
endif()

# ampd_add_plugin(<name> SOURCES <files...> [LIBRARIES <targets...>] [OUTPUT_DIR <dir>] [NO_INSTALL])
# Builds plugin <name> as a MODULE library ampd-<name>.so with hidden symbols (only the
# entry point is exported) into lib/ampd/plugins of the build tree, and installs it there.
function(ampd_add_plugin name)
  cmake_parse_arguments(P "NO_INSTALL" "OUTPUT_DIR" "SOURCES;LIBRARIES" ${ARGN})
  set(target "ampd-${name}")
  add_library(${target} MODULE ${P_SOURCES})
  if(NOT P_OUTPUT_DIR)
    set(P_OUTPUT_DIR "${AMPD_PLUGIN_OUTPUT_DIR}")
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "ampd-${name}"
    LIBRARY_OUTPUT_DIRECTORY "${P_OUTPUT_DIR}"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_libraries(${target} PRIVATE ampd::sdk ${P_LIBRARIES})
  target_link_options(${target} PRIVATE "LINKER:--no-undefined")
  add_dependencies(ampd_plugins ${target})
  if(NOT P_NO_INSTALL)
    add_dependencies(ampd_bundled_plugins ${target})
    install(TARGETS ${target} LIBRARY DESTINATION "${AMPD_PLUGIN_SUBDIR}")
  endif()
endfunction()
