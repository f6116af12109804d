# The Debian package: `cmake --build build --target package-deb` writes
# build/ampd_<version>_amd64.deb with /usr/bin/ampd, the bundled plugins in /usr/lib/ampd/plugins
# (where the host looks: <exe dir>/../lib/ampd/plugins), the docs in /usr/share/doc/ampd and a
# man page made from `ampd --help`. Dependencies: the shared libraries found by dpkg-shlibdeps
# (Poco, libpq5, tomlplusplus), plus postgresql for the server binaries.

# The man page, from the binary's own help text.
set(AMPD_MAN_PAGE "${CMAKE_BINARY_DIR}/man/ampd.1")
add_custom_command(OUTPUT "${AMPD_MAN_PAGE}.gz"
  COMMAND "${CMAKE_COMMAND}" -E make_directory "${CMAKE_BINARY_DIR}/man"
  COMMAND "${CMAKE_COMMAND}" -DAMPD=$<TARGET_FILE:ampd> -DOUT=${AMPD_MAN_PAGE}
          -P "${PROJECT_SOURCE_DIR}/cmake/help_to_man.cmake"
  COMMAND gzip -9nf "${AMPD_MAN_PAGE}"
  DEPENDS ampd "${PROJECT_SOURCE_DIR}/cmake/help_to_man.cmake"
  COMMENT "Generating the ampd(1) man page from ampd --help")
add_custom_target(ampd_man_page DEPENDS "${AMPD_MAN_PAGE}.gz")
install(FILES "${AMPD_MAN_PAGE}.gz" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1" OPTIONAL)
install(FILES README.md docs/configuration.md
        docs/features/app-ampd-solo-managed-postgres.md
        DESTINATION "${CMAKE_INSTALL_DOCDIR}")

# `make install` and cpack must not build every test first (the package target builds what it
# ships).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "ampd")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "ampd developers <ampd@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "ampd solo gives a project a persistent PostgreSQL metadata database (no Docker, no set-up) \
with all state in the project's .amp dir, plus Amp's admin API and JSON Lines query API.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")  # ampd_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION "database")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libpq5 by name: the plugins load it with dlopen on first use (ampd_toolkit/libpq_loader.h), so
# dpkg-shlibdeps does not see it.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "postgresql, libpq5")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "postgresql-client")
set(CPACK_STRIP_FILES ON)  # the build's debug info stays in the build tree
include(CPack)

add_custom_target(package-deb
  COMMAND "${CMAKE_CPACK_COMMAND}" -G DEB --config "${CMAKE_BINARY_DIR}/CPackConfig.cmake"
          -B "${CMAKE_BINARY_DIR}"
  WORKING_DIRECTORY "${CMAKE_BINARY_DIR}"
  DEPENDS ampd ampd_bundled_plugins ampd_man_page
  COMMENT "Building ampd_${PROJECT_VERSION}_amd64.deb"
  VERBATIM)
