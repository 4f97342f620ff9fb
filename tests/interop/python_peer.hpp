// Shared by the live interop tests: runs a Python peer (tests/interop/*_peer.py) once over
// a batch of requests, one JSON object per line, and reads its answers back.
#pragma once

#include <boost/test/unit_test.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "test_support.hpp"

namespace crumb_test {

/// Runs `peer` (a script, through CRUMB_PYTHON3) over `requests`; returns its answers,
/// one per request. The peer's first line is a banner with its versions, logged.
/// `package` names what a failing peer probably lacks.
inline std::vector<crumb::value> ask_python_peer(std::string_view peer, std::string_view package,
                                                 const std::vector<std::string>& requests) {
  char dir[] = "/tmp/crumb-interop-XXXXXX";
  BOOST_REQUIRE(mkdtemp(dir) != nullptr);
  const std::string in = std::string(dir) + "/requests", out = std::string(dir) + "/answers";
  {
    std::ofstream f(in);
    for (const auto& r : requests) f << r << '\n';
  }
  const std::string cmd =
      std::string(CRUMB_PYTHON3) + " " + std::string(peer) + " < " + in + " > " + out;
  const int status = std::system(cmd.c_str());
  BOOST_REQUIRE_MESSAGE(status == 0,
                        "the peer failed (is " << package << " installed?): " << cmd);
  std::istringstream lines(read_file(out));
  std::vector<crumb::value> answers;
  std::string line;
  std::getline(lines, line);
  BOOST_TEST_MESSAGE("peer: " << line);
  while (std::getline(lines, line)) answers.push_back(parse(line));
  std::remove(in.c_str());
  std::remove(out.c_str());
  rmdir(dir);
  BOOST_REQUIRE_EQUAL(answers.size(), requests.size());
  return answers;
}

}  // namespace crumb_test
