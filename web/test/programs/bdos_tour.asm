; bdos_tour.asm — a CP/M program that calls every console BDOS function the page's machine serves
; (1, 2, 6, 9, 10, 11, 12, then a RET to 0000h), so a test can compare the page's machine with
; `z80lm run` on transcript, echo and total T-states. Assemble: pasmo --bin bdos_tour.asm TOUR.COM
BDOS    EQU  5
        ORG  0100h
        LD   C,12               ; version
        CALL BDOS
        LD   A,L
        ADD  A,'0'-022h+'A'-'0' ; 'A' when HL = 0022h
        LD   E,A
        LD   C,2
        CALL BDOS
        LD   HL,0081h           ; the command tail
        LD   A,(0080h)
        LD   B,A
        CALL PRINTN
        LD   HL,005Dh           ; FCB 1: name and type
        LD   B,11
        CALL PRINTN
        LD   DE,HELLO           ; print string
        LD   C,9
        CALL BDOS
        LD   C,11               ; console status (a key is waiting)
        CALL BDOS
        ADD  A,'0'
        LD   E,A
        LD   C,2
        CALL BDOS
        LD   C,1                ; console input, echoed
        CALL BDOS
        LD   E,A
        LD   C,6                ; direct output of the key read
        CALL BDOS
        LD   DE,LINE            ; read a line (with erasures typed by the test)
        LD   C,10
        CALL BDOS
        LD   A,(LINE+1)
        ADD  A,'0'
        LD   E,A
        LD   C,2
        CALL BDOS
        LD   C,6                ; direct input: a key or 0
        LD   E,0FFh
        CALL BDOS
        LD   E,A
        LD   C,2
        CALL BDOS
        LD   HL,0               ; a little loop, to have instructions worth counting
        LD   B,200
LOOP:   ADD  HL,HL
        INC  HL
        DJNZ LOOP
        LD   DE,BYE
        LD   C,9
        CALL BDOS
        RET                     ; to 0000h: warm boot
; PRINTN: print B bytes from HL with BDOS 2 (none when B = 0).
PRINTN: INC  B
        DEC  B
        RET  Z
PRLOOP: LD   E,(HL)
        PUSH HL
        PUSH BC
        LD   C,2
        CALL BDOS
        POP  BC
        POP  HL
        INC  HL
        DJNZ PRLOOP
        RET
HELLO:  DB   13,10,'hello from BDOS 9',13,10,'$'
BYE:    DB   13,10,'bye$'
LINE:   DB   8,0
        DS   8
