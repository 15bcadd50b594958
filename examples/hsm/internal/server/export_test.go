package server

// InFlight counts the recalls the server waits for, by file and by id;
// both are zero once every recall has ended.
func (s *Server) InFlight() (byFile, byID int) {
	s.stages.mu.Lock()
	defer s.stages.mu.Unlock()
	return len(s.stages.byFile), len(s.stages.byID)
}
