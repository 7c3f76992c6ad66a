// Student page: the lesson player (lesson_player.js: LL-HLS with hls.js, latency and quality, self-recovery,
// shared with the admin room page) and the class (count, Q&A: student_classroom.js).
import { startLessonPlayer } from './lesson_player.js';
import { startClassroom } from './student_classroom.js';

const roomName = new URLSearchParams(location.search).get('room') || '';
const roomTitle = document.getElementById('room-title');
const player = startLessonPlayer(roomName);  // null: not a valid room name (the player says so)

if (player) {
  roomTitle.textContent = roomName;
  document.title = roomName + ' — AirClass';
  const classroom = startClassroom(roomName);  // resolves to the SignalingClient (null without a token)

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
