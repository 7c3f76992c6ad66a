// Student page: the lesson player (lesson_player.js: LL-HLS with hls.js, latency and quality, self-recovery,
// shared with the admin room page) and the class (count, Q&A: student_classroom.js).
import { startLessonPlayer } from './lesson_player.js';
import { startClassroom } from './student_classroom.js';
import { pageToken, tokenClaims } from './page_token.js';

const roomName = new URLSearchParams(location.search).get('room') || '';
const roomTitle = document.getElementById('room-title');
// One token for the player and the class: the player's WHEP session and HLS requests carry the student's id,
// so the admin counts see one student, not a student plus a player.
const token = window.AirClass.validRoom(roomName) ? await pageToken('student', roomName) : null;
const player = startLessonPlayer(roomName, { token: token || '', viewerId: viewerId(token) });
// null: not a valid room name (the player says so)

// The token's user id; without a token, an id for this tab (HLS players without a page count the same way).
function viewerId(jwt) {
  const sub = jwt ? tokenClaims(jwt).sub : '';
  if (typeof sub === 'string' && sub) return sub;
  try {
    let id = sessionStorage.getItem('airclass.viewer');
    if (!id) sessionStorage.setItem('airclass.viewer', id = 'anon-' + crypto.randomUUID());
    return id;
  } catch {
    return 'anon-' + crypto.randomUUID();
  }
}

if (player) {
  roomTitle.textContent = roomName;
  document.title = roomName + ' — AirClass';
  const classroom = Promise.resolve(startClassroom(roomName, token));  // the SignalingClient (null: no token)

  // For debugging from the console and for the browser tests.
  window.airclassStudent = {
    get state() { return player.state; },
    get hls() { return player.hls; },
    get native() { return player.native; },
    classroom,
  };
} else {
  roomTitle.textContent = 'Lesson';
}
