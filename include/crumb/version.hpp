// crumb's version: the one place it lives. CMake and meson both read it from here.
#pragma once

#define CRUMB_VERSION_MAJOR 0
#define CRUMB_VERSION_MINOR 1
#define CRUMB_VERSION_PATCH 0
#define CRUMB_VERSION_STRING "0.1.0"

namespace crumb {
/// The library version, as "major.minor.patch".
inline constexpr const char* version_string = CRUMB_VERSION_STRING;
}  // namespace crumb
