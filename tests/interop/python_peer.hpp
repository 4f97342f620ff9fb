// Shared by the live interop tests: runs a Python peer (tests/interop/*_peer.py) once over
// a batch of requests, one JSON object per line, and reads its answers back.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
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
  BOOST_REQUIRE_MESSAGE(status == 0, "the peer failed (is " << package << " installed?): " << cmd);
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

/// A Python peer kept running for a whole conversation, so that its state (a database, a
/// site) lasts between requests: ask() writes one JSON line to it and reads its one-line
/// answer. The peer's first line, its banner, is kept in banner().
class live_python_peer {
 public:
  live_python_peer(const std::string& script, std::string_view package) : package_(package) {
    int to_child[2], from_child[2];
    BOOST_REQUIRE(pipe(to_child) == 0 && pipe(from_child) == 0);
    pid_ = fork();
    BOOST_REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(to_child[0], 0);
      dup2(from_child[1], 1);
      close(to_child[1]);
      close(from_child[0]);
      execl(CRUMB_PYTHON3, CRUMB_PYTHON3, script.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    in_ = fdopen(to_child[1], "w");
    out_ = fdopen(from_child[0], "r");
    BOOST_REQUIRE(in_ != nullptr && out_ != nullptr);
    const std::string line = read_line();
    BOOST_REQUIRE_MESSAGE(!line.empty(),
                          "the peer did not start (is " << package_ << " installed?): " << script);
    banner_ = parse(line);
    BOOST_TEST_MESSAGE("peer: " << line);
  }
  live_python_peer(const live_python_peer&) = delete;
  live_python_peer& operator=(const live_python_peer&) = delete;
  ~live_python_peer() {
    if (in_ != nullptr) std::fclose(in_);  // end of input: the peer exits
    if (out_ != nullptr) std::fclose(out_);
    int status = 0;
    waitpid(pid_, &status, 0);
  }

  const crumb::value& banner() const noexcept { return banner_; }

  /// Sends `request`, JSON text on one line; returns the peer's answer.
  crumb::value ask(const std::string& request) {
    const std::string text = request + "\n";
    BOOST_REQUIRE(std::fwrite(text.data(), 1, text.size(), in_) == text.size());
    BOOST_REQUIRE(std::fflush(in_) == 0);
    const std::string line = read_line();
    BOOST_REQUIRE_MESSAGE(!line.empty(),
                          "the peer stopped answering (is " << package_ << " installed?)");
    return parse(line);
  }

 private:
  std::string read_line() {
    std::string line;
    for (int c = std::fgetc(out_); c != EOF && c != '\n'; c = std::fgetc(out_))
      line.push_back(static_cast<char>(c));
    return line;
  }

  std::string package_;
  pid_t pid_ = -1;
  std::FILE* in_ = nullptr;
  std::FILE* out_ = nullptr;
  crumb::value banner_;
};

}  // namespace crumb_test
