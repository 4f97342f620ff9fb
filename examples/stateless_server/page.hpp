// The example server's HTML view: what a browser gets instead of JSON (Accept: text/html).
// One page with the session's fields and a form per action; every piece of text that came
// from a visitor (user name, cart items, notes that quote them) is escaped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace page {

// What the page shows, for JSON and HTML alike.
struct view {
  std::string server;
  std::string note;
  int visits = 0;
  std::optional<std::string> user;
  std::vector<std::string> cart;
  std::int64_t history = 0;
  std::string lives_in;  // "cookie" or "store"
  std::int64_t set_cookie_bytes = 0;
  std::optional<std::string> rejected_cookie;
};

// Text for an HTML element or a quoted attribute value.
inline std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

inline std::string head(std::string_view title) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         escape(title) +
         "</title>\n<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}"
         "dt{font-weight:bold}form{margin:.5em 0}</style>\n</head>\n<body>\n";
}

// A form posting to `action`: one text field (`field`, when given) and a button.
inline std::string form(std::string_view id, std::string_view action, std::string_view button,
                        std::string_view field = {}, std::string_view input = {}) {
  std::string out = "<form id=\"" + std::string(id) + "\" method=\"post\" action=\"" +
                    std::string(action) + "\">";
  if (!field.empty())
    out += "<input name=\"" + std::string(field) + "\" " + std::string(input) + " required> ";
  return out + "<button type=\"submit\">" + std::string(button) + "</button></form>\n";
}

inline std::string html(const view& v) {
  std::string out = head("crumb: server " + v.server);
  out += "<h1>Server <span id=\"server\">" + escape(v.server) + "</span></h1>\n";
  out += "<p id=\"note\">" + escape(v.note) + "</p>\n<dl>\n";
  out += "<dt>Visits</dt><dd id=\"visits\">" + std::to_string(v.visits) + "</dd>\n";
  out +=
      "<dt>User</dt><dd id=\"user\">" + (v.user ? escape(*v.user) : "(not logged in)") + "</dd>\n";
  out += "<dt>Cart</dt><dd><ul id=\"cart\">";
  for (const std::string& item : v.cart) {
    out += "<li><span class=\"item\">" + escape(item) +
           "</span> <form class=\"cart-remove\" method=\"post\" action=\"/cart/remove\" "
           "style=\"display:inline\"><input type=\"hidden\" name=\"item\" value=\"" +
           escape(item) + "\"><button type=\"submit\">remove</button></form></li>";
  }
  out += "</ul></dd>\n";
  out += "<dt>History</dt><dd><span id=\"history\">" + std::to_string(v.history) +
         "</span> page views</dd>\n";
  out += "<dt>Session lives in</dt><dd><span id=\"lives-in\">" + escape(v.lives_in) +
         "</span> (Set-Cookie: <span id=\"set-cookie-bytes\">" +
         std::to_string(v.set_cookie_bytes) + "</span> bytes)</dd>\n";
  if (v.rejected_cookie)
    out += "<dt>Rejected cookie</dt><dd id=\"rejected-cookie\">" + escape(*v.rejected_cookie) +
           "</dd>\n";
  out += "</dl>\n";
  out += v.user
             ? form("logout", "/logout", "Log out")
             : form("login", "/login", "Log in", "user", "maxlength=\"64\" placeholder=\"name\"");
  out +=
      form("cart-add", "/cart/add", "Add to cart", "item", "maxlength=\"64\" placeholder=\"item\"");
  out += form("history-add", "/history", "View pages", "n",
              "type=\"number\" min=\"1\" max=\"1000\" value=\"1\"");
  out += form("history-clear", "/history/clear", "Clear history");
  return out + "</body>\n</html>\n";
}

// An error (400, 409, 413, 503) for a browser: the status and its short text.
inline std::string error(int status, std::string_view text) {
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  return head("crumb: error " + std::to_string(status)) + "<h1>Error " + std::to_string(status) +
         "</h1>\n<p id=\"error\">" + escape(text) +
         "</p>\n<p><a href=\"/\">Back</a></p>\n</body>\n</html>\n";
}

}  // namespace page
