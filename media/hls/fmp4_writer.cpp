#include "media/hls/fmp4_writer.hpp"

#include "media/hls/box_writer.hpp"

namespace airclass::media::hls {
namespace {

constexpr uint32_t kTrackId = 1;

void matrix(BoxWriter& w) {
  const uint32_t unity[9] = {0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000};
  for (uint32_t v : unity) w.u32(v);
}

// MPEG-4 descriptor header with the size in the expandable (7 bits per byte) form, 4 bytes long.
void descriptor(BoxWriter& w, uint8_t tag, uint32_t size) {
  w.u8(tag);
  w.u8(0x80 | ((size >> 21) & 0x7f));
  w.u8(0x80 | ((size >> 14) & 0x7f));
  w.u8(0x80 | ((size >> 7) & 0x7f));
  w.u8(size & 0x7f);
}

void esds(BoxWriter& w, const Fmp4Track& t) {
  const auto asc_size = static_cast<uint32_t>(t.asc.size());
  const uint32_t dsi = 5 + asc_size;             // DecoderSpecificInfo
  const uint32_t dcd = 5 + 13 + dsi;             // DecoderConfigDescriptor
  const uint32_t sl = 5 + 1;                     // SLConfigDescriptor
  w.beginFull("esds", 0, 0);
  descriptor(w, 0x03, 3 + dcd + sl);             // ES_Descriptor
  w.u16(kTrackId);                               // ES_ID
  w.u8(0);                                       // no stream dependence, URL or OCR
  descriptor(w, 0x04, 13 + dsi);
  w.u8(0x40);                                    // objectTypeIndication: MPEG-4 Audio
  w.u8(0x15);                                    // streamType audio (5) << 2 | reserved 1
  w.u24(0);                                      // bufferSizeDB
  w.u32(0);                                      // maxBitrate
  w.u32(0);                                      // avgBitrate
  descriptor(w, 0x05, asc_size);
  w.bytes(t.asc);
  descriptor(w, 0x06, 1);
  w.u8(0x02);                                    // predefined: MP4
  w.end();
}

void sampleEntry(BoxWriter& w, const Fmp4Track& t) {
  if (t.kind == TrackKind::Video) {
    w.begin("avc1");
    w.zeros(6);
    w.u16(1);  // data_reference_index
    w.zeros(16);
    w.u16(static_cast<uint32_t>(t.width));
    w.u16(static_cast<uint32_t>(t.height));
    w.u32(0x00480000);  // 72 dpi
    w.u32(0x00480000);
    w.u32(0);
    w.u16(1);  // frame_count
    w.zeros(32);  // compressorname
    w.u16(0x0018);
    w.u16(0xffff);  // pre_defined = -1
    w.begin("avcC");
    w.bytes(t.avcc);
    w.end();
    w.end();
  } else {
    w.begin("mp4a");
    w.zeros(6);
    w.u16(1);
    w.zeros(8);
    w.u16(static_cast<uint32_t>(t.channels > 0 ? t.channels : 2));
    w.u16(16);
    w.zeros(4);
    w.u32(t.sample_rate > 0 && t.sample_rate <= 0xffff ? static_cast<uint32_t>(t.sample_rate) << 16 : 0);
    esds(w, t);
    w.end();
  }
}

}  // namespace

std::string writeInitSegment(const Fmp4Track& t) {
  const bool video = t.kind == TrackKind::Video;
  std::string out;
  out.reserve(1024 + t.avcc.size() + t.asc.size());
  BoxWriter w(out);

  w.begin("ftyp");
  w.fourcc("iso6");
  w.u32(0);
  for (const char* brand : {"iso6", "cmfc", "mp41", video ? "avc1" : "cmfc"}) w.fourcc(brand);
  w.end();

  w.begin("moov");
  w.beginFull("mvhd", 0, 0);
  w.u32(0);  // creation_time
  w.u32(0);  // modification_time
  w.u32(1000);
  w.u32(0);  // duration: fragmented
  w.u32(0x00010000);  // rate
  w.u16(0x0100);      // volume
  w.zeros(10);
  matrix(w);
  w.zeros(24);
  w.u32(kTrackId + 1);  // next_track_ID
  w.end();

  w.begin("trak");
  w.beginFull("tkhd", 0, 0x000003);  // enabled, in movie
  w.u32(0);
  w.u32(0);
  w.u32(kTrackId);
  w.u32(0);
  w.u32(0);  // duration
  w.zeros(8);
  w.u16(0);  // layer
  w.u16(0);  // alternate_group
  w.u16(video ? 0 : 0x0100);
  w.u16(0);
  matrix(w);
  w.u32(video ? static_cast<uint32_t>(t.width) << 16 : 0);
  w.u32(video ? static_cast<uint32_t>(t.height) << 16 : 0);
  w.end();

  w.begin("mdia");
  w.beginFull("mdhd", 0, 0);
  w.u32(0);
  w.u32(0);
  w.u32(t.timescale);
  w.u32(0);
  w.u16(0x55c4);  // language "und"
  w.u16(0);
  w.end();
  w.beginFull("hdlr", 0, 0);
  w.u32(0);
  w.fourcc(video ? "vide" : "soun");
  w.zeros(12);
  const std::string_view name = video ? std::string_view("VideoHandler") : std::string_view("SoundHandler");
  w.fourcc(name.substr(0, 4));
  w.fourcc(name.substr(4, 4));
  w.fourcc(name.substr(8, 4));
  w.u8(0);
  w.end();

  w.begin("minf");
  if (video) {
    w.beginFull("vmhd", 0, 1);
    w.zeros(8);
    w.end();
  } else {
    w.beginFull("smhd", 0, 0);
    w.zeros(4);
    w.end();
  }
  w.begin("dinf");
  w.beginFull("dref", 0, 0);
  w.u32(1);
  w.beginFull("url ", 0, 1);  // self-contained
  w.end();
  w.end();
  w.end();

  w.begin("stbl");
  w.beginFull("stsd", 0, 0);
  w.u32(1);
  sampleEntry(w, t);
  w.end();
  for (const char* empty : {"stts", "stsc", "stco"}) {
    w.beginFull(empty, 0, 0);
    w.u32(0);
    w.end();
  }
  w.beginFull("stsz", 0, 0);
  w.u32(0);
  w.u32(0);
  w.end();
  w.end();  // stbl
  w.end();  // minf
  w.end();  // mdia
  w.end();  // trak

  w.begin("mvex");
  w.beginFull("trex", 0, 0);
  w.u32(kTrackId);
  w.u32(1);  // default_sample_description_index
  w.u32(0);
  w.u32(0);
  w.u32(0);
  w.end();
  w.end();
  w.end();  // moov
  return out;
}

std::string writeFragment(const Fmp4Track& t, uint32_t sequence, uint64_t base_media_decode_time,
                          std::span<const Fmp4Sample> samples) {
  const bool video = t.kind == TrackKind::Video;
  size_t payload = 0;
  for (const auto& s : samples) payload += s.data ? s.data->size() : 0;
  std::string out;
  out.reserve(256 + samples.size() * 16 + payload);
  BoxWriter w(out);

  w.begin("moof");
  w.beginFull("mfhd", 0, 0);
  w.u32(sequence);
  w.end();
  w.begin("traf");
  w.beginFull("tfhd", 0, 0x020000);  // default-base-is-moof
  w.u32(kTrackId);
  w.end();
  w.beginFull("tfdt", 1, 0);
  w.u64(base_media_decode_time);
  w.end();
  // data-offset, sample duration, size; video also flags and (signed, version 1) composition offsets.
  const uint32_t flags = 0x000001 | 0x000100 | 0x000200 | (video ? 0x000400 | 0x000800 : 0);
  w.beginFull("trun", video ? 1 : 0, flags);
  w.u32(static_cast<uint32_t>(samples.size()));
  const size_t data_offset_at = w.size();
  w.u32(0);
  for (const auto& s : samples) {
    w.u32(s.duration);
    w.u32(static_cast<uint32_t>(s.data ? s.data->size() : 0));
    if (video) {
      // sync: sample_depends_on = 2 (independent); else depends_on = 1 and sample_is_non_sync_sample
      w.u32(s.sync ? 0x02000000 : 0x01010000);
      w.u32(static_cast<uint32_t>(s.composition_offset));
    }
  }
  w.end();  // trun
  w.end();  // traf
  w.end();  // moof
  w.patchU32(data_offset_at, static_cast<uint32_t>(w.size() + 8));

  w.begin("mdat");
  for (const auto& s : samples) {
    if (s.data) w.bytes(*s.data);
  }
  w.end();
  return out;
}

}  // namespace airclass::media::hls
