# install.cmake - what `cmake --install` (and `make install PREFIX=...`, and `cpack -G DEB`)
# puts under the prefix:
#   include/ustack/*.h                 the public headers, version.h among them
#   lib/libustack.so.0.x, libustack.a  the libraries (ustack_* symbols only in both)
#   bin/ustack                         the command
#   lib/pkgconfig/ustack.pc            pkg-config --cflags --libs ustack
#   lib/cmake/ustack/                  find_package(ustack CONFIG): ustack::ustack (shared)
#                                      and ustack::ustack_static
include(CMakePackageConfigHelpers)
# the AF_XDP device's libraries, for a static link (pkg-config --static)
set(USTACK_PC_XDP_LIBS "")
foreach(l ${USTACK_XDP_LIBS})
  string(APPEND USTACK_PC_XDP_LIBS " -l${l}")
endforeach()
set(USTACK_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ustack)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ustack DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  COMPONENT dev FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/ustack/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ustack COMPONENT dev)

install(TARGETS ustack_shared ustack_static EXPORT ustackTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT lib NAMELINK_COMPONENT dev
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET ustack)
  install(TARGETS ustack RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT bin)
endif()

install(EXPORT ustackTargets NAMESPACE ustack:: DESTINATION ${USTACK_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ustackConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/ustackConfig.cmake INSTALL_DESTINATION ${USTACK_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/ustackConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/ustackConfig.cmake
  ${PROJECT_BINARY_DIR}/cmake/ustackConfigVersion.cmake
  DESTINATION ${USTACK_CMAKE_DIR} COMPONENT dev)

# ustack.pc is written at install time, so that it names the prefix actually installed
# to (`cmake --install build --prefix P` chooses it after configuring).
install(CODE "
  set(USTACK_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  set(USTACK_PC_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")
  set(USTACK_PC_INCLUDEDIR \"${CMAKE_INSTALL_INCLUDEDIR}\")
  set(PROJECT_VERSION \"${PROJECT_VERSION}\")
  set(PROJECT_DESCRIPTION \"${PROJECT_DESCRIPTION}\")
  set(USTACK_PC_XDP_LIBS \"${USTACK_PC_XDP_LIBS}\")
  foreach(v LIBDIR INCLUDEDIR)
    if(NOT IS_ABSOLUTE \"\${USTACK_PC_\${v}}\")
      set(USTACK_PC_\${v} \"\\\${prefix}/\${USTACK_PC_\${v}}\")
    endif()
  endforeach()
  configure_file(\"${PROJECT_SOURCE_DIR}/cmake/ustack.pc.in\" \"${PROJECT_BINARY_DIR}/cmake/ustack.pc\" @ONLY)
" COMPONENT dev)
install(FILES ${PROJECT_BINARY_DIR}/cmake/ustack.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

# cpack -G DEB (in the build dir): one package with everything above, installed under /usr.
set(CPACK_PACKAGE_NAME ustack)
set(CPACK_PACKAGE_VENDOR "ustack")
set(CPACK_PACKAGE_CONTACT "ustack developers <ustack@example.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_PACKAGE_DESCRIPTION "Ethernet, ARP, IPv4, ICMP, UDP, TCP, a DNS resolver and server and BSD-style sockets in a library (libustack.so, libustack.a, the headers, pkg-config and CMake package files), and the ustack command.")
include(CPack)
