// The Boost.Asio headers the RTMP ingest uses, wrapped: GCC 12's -Wnull-dereference flags Asio's own
// scheduler code (a known false positive in boost/asio/detail/impl/scheduler.ipp) once it is inlined here.
#pragma once
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#pragma GCC diagnostic pop
