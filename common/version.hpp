// The xbarsim version (CMake's PROJECT_VERSION), recorded in every output a later run reads back
// (sweep folders, point files), so results of different versions are never mixed.
#pragma once

namespace xbarsim {

#ifndef XBARSIM_VERSION
#error "XBARSIM_VERSION is set by common/CMakeLists.txt"
#endif
inline constexpr const char* kVersion = XBARSIM_VERSION;

}  // namespace xbarsim
